// vitest setupFiles entry: every test file starts on the backend Patchwork would pick
// (PATCHWORK_BACKEND / PATCHWORK_THREADS honoured).
import { initBackend } from '../backend/select.js';

await initBackend();
