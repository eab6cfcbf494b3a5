/**
 * A tab's "open an image" input. Decoding a file is asynchronous, so a run started right after a
 * file is picked waits for it ({@link ImageFileInput.ready}) instead of reading the canvas before
 * the new image is drawn; a file the browser cannot decode is reported, never thrown into the void.
 */
export class ImageFileInput {
  private pending: Promise<void> = Promise.resolve();

  constructor(input: HTMLInputElement, draw: (bitmap: ImageBitmap, file: File) => void, onError: (message: string) => void) {
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return;
      input.dataset.state = 'opening';
      this.pending = createImageBitmap(file).then(
        (bitmap) => {
          draw(bitmap, file);
          bitmap.close();
          input.dataset.state = 'opened';
        },
        () => {
          input.dataset.state = 'error';
          onError(`cannot open ${file.name}: not an image this browser can decode (the previous image stays)`);
        },
      );
    });
  }

  /** Resolves once the most recently picked file is drawn, or has failed and been reported. */
  ready(): Promise<void> {
    return this.pending;
  }
}
