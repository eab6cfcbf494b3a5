import './style.css';
import { startBackend } from './backend.js';
import { mountClassify } from './tabs/classify.js';
import { mountInpaint } from './tabs/inpaint.js';
import { mountMae } from './tabs/mae.js';
import { mountSegment } from './tabs/segment.js';
import { mountTokenizer } from './tabs/tokenizer.js';

const tabs = ['classify', 'segment', 'mae', 'inpaint', 'tokenizer'] as const;

function show(name: string): void {
  for (const t of tabs) {
    document.getElementById(`tab-${t}`)!.hidden = t !== name;
    document.querySelector(`nav button[data-tab="${t}"]`)!.setAttribute('aria-selected', String(t === name));
  }
  history.replaceState(null, '', `${location.search}#${name}`);
}

async function main(): Promise<void> {
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.addEventListener('click', () => show(b.dataset.tab!));
  const initial = location.hash.slice(1);
  show((tabs as readonly string[]).includes(initial) ? initial : 'classify');

  const backendEl = document.getElementById('backend')!;
  try {
    const info = await startBackend();
    backendEl.textContent = `${info.name}${info.name === 'wasm' ? ` (simd ${info.simd}, ${info.threads} thread${info.threads === 1 ? '' : 's'})` : ''}`;
    document.body.dataset.backend = info.name;
  } catch (err) {
    backendEl.textContent = `no backend: ${(err as Error).message}`;
    document.body.dataset.backend = 'error';
    return;
  }
  mountSegment(document.getElementById('tab-segment')!);
  await Promise.all([
    mountClassify(document.getElementById('tab-classify')!),
    mountMae(document.getElementById('tab-mae')!),
    mountInpaint(document.getElementById('tab-inpaint')!),
    mountTokenizer(document.getElementById('tab-tokenizer')!),
  ]);
  document.body.dataset.ready = 'true';
}

void main();
