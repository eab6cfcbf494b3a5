import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  // One tfjs / tfjs-backend-wasm instance for the app and every @patchwork package
  // (setWasmPaths and the registered backends are module state).
  resolve: { dedupe: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Module.loadStateDict names the model class in its errors (`cannot load state dict into
    // SmallConvNet`): keep class names through bundling and minification.
    rolldownOptions: { output: { keepNames: true } },
  },
  preview: { host: '127.0.0.1' },
});
