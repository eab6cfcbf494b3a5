/** A tab whose model is not wired into the demo yet: says so plainly, shows no output. */
export function mountUnavailable(root: HTMLElement, title: string, reason: string): void {
  root.dataset.available = 'false';
  root.innerHTML = `<h2>${title}</h2><p class="unavailable" data-testid="unavailable"><strong>Not yet available.</strong> ${reason}</p>`;
}
