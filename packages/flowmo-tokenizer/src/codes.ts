import { FormatError, PatchworkError, ShapeError, tf } from '@patchwork/tensor-core';

const MAGIC = [0x46, 0x4d, 0x43, 0x31]; // "FMC1"
const KIND_LFQ = 0;
const KIND_FSQ = 1;

function bitsFor(levels: number): number {
  return Math.ceil(Math.log2(levels));
}

/**
 * Discrete FlowMo codes on the host: `batch × codeLength` tokens of `levels.length` channels,
 * each channel `c` holding a symbol in `0 … levels[c] − 1` (LFQ: every level count is 2 and a
 * symbol is a bit, 1 ⇔ positive latent; FSQ: the level index). Plain JS data — no tensors to
 * dispose — that serialises to bit-packed bytes with {@link toBytes}.
 */
export class FlowmoCodes {
  constructor(
    /** Which quantiser made them: decides how symbols map back to code values. */
    readonly quantizer: 'lfq' | 'fsq',
    readonly batch: number,
    readonly codeLength: number,
    /** Level count per channel (all 2 for LFQ). */
    readonly levels: readonly number[],
    /** Row-major `[batch, codeLength, channels]` symbols. */
    readonly symbols: Uint8Array,
  ) {
    if (![batch, codeLength].every((n) => Number.isInteger(n) && n > 0) || levels.length === 0) {
      throw new ShapeError(`FlowmoCodes: batch (${batch}), codeLength (${codeLength}) and channels (${levels.length}) must be positive`);
    }
    if (levels.some((l) => !Number.isInteger(l) || l < 2 || l > 256)) throw new ShapeError(`FlowmoCodes: level counts must be integers in [2, 256], got [${levels.join(', ')}]`);
    if (quantizer === 'lfq' && levels.some((l) => l !== 2)) throw new ShapeError(`FlowmoCodes: LFQ codes are binary, got levels [${levels.join(', ')}]`);
    if (symbols.length !== batch * codeLength * levels.length) {
      throw new ShapeError(`FlowmoCodes: ${symbols.length} symbols for [${batch}, ${codeLength}, ${levels.length}]`);
    }
    symbols.forEach((s, i) => {
      if (s >= levels[i % levels.length]!) throw new ShapeError(`FlowmoCodes: symbol ${s} at ${i} is outside 0…${levels[i % levels.length]! - 1}`);
    });
  }

  /** Codes of LFQ latents: bit = latent > 0 (the official `quantized > 0`). `latents` `[B, L, C]`; not disposed. */
  static fromLfq(latents: tf.Tensor): FlowmoCodes {
    if (latents.rank !== 3) throw new ShapeError(`FlowmoCodes.fromLfq: expected [B, L, C], got [${latents.shape.join(', ')}]`);
    const [b, l, c] = latents.shape as [number, number, number];
    const values = latents.dataSync();
    return new FlowmoCodes('lfq', b, l, new Array<number>(c).fill(2), Uint8Array.from(values, (v) => (v > 0 ? 1 : 0)));
  }

  /** Codes from FSQ level indices `[B, L, C]` (int32, as `FSQ.levelIndices` gives them); not disposed. */
  static fromLevelIndices(indices: tf.Tensor, levels: readonly number[]): FlowmoCodes {
    if (indices.rank !== 3 || indices.shape[2] !== levels.length) {
      throw new ShapeError(`FlowmoCodes.fromLevelIndices: expected [B, L, ${levels.length}], got [${indices.shape.join(', ')}]`);
    }
    const [b, l] = indices.shape as [number, number, number];
    return new FlowmoCodes('fsq', b, l, levels, Uint8Array.from(indices.dataSync()));
  }

  get channels(): number {
    return this.levels.length;
  }

  /** Information content in bits: `batch · codeLength · Σ log2(levels)`. */
  get bits(): number {
    return this.batch * this.codeLength * this.levels.reduce((a, l) => a + Math.log2(l), 0);
  }

  /**
   * The code values the decoder reads, `[B, L, C]` float32: LFQ's ±1 (bit 1 ⇔ +1), or FSQ's
   * `(symbol − ⌊L/2⌋) / ⌊L/2⌋`. Caller disposes.
   */
  toTensor(): tf.Tensor3D {
    const c = this.channels;
    const values = Float32Array.from(this.symbols, (s, i) => {
      if (this.quantizer === 'lfq') return 2 * s - 1;
      const half = Math.floor(this.levels[i % c]! / 2);
      return (s - half) / half;
    });
    return tf.tensor3d(values, [this.batch, this.codeLength, c]);
  }

  /** One image's codes (a copy). */
  item(index: number): FlowmoCodes {
    if (!Number.isInteger(index) || index < 0 || index >= this.batch) throw new PatchworkError('E_ARGUMENT', `FlowmoCodes.item: index ${index} outside 0…${this.batch - 1}`);
    const n = this.codeLength * this.channels;
    return new FlowmoCodes(this.quantizer, 1, this.codeLength, this.levels, this.symbols.slice(index * n, (index + 1) * n));
  }

  /**
   * LFQ token indices as the official `LFQ` reports them (`lfq_indices`): each token's bits are
   * split into sub-codes of `bitsPerIndex` bits with stride `C / bitsPerIndex` (sub-code `h` of
   * a token reads channels `h, h + fh, h + 2fh, …`, the official `b t (fg fh) -> b fg (t fh)`),
   * each read little-endian. Order: (batch, token, sub-code). `bitsPerIndex` defaults to all bits
   * of a token (then `Σ bit_c·2^c` per token; at most 31 bits).
   */
  lfqIndices(bitsPerIndex = this.channels): Int32Array {
    if (this.quantizer !== 'lfq') throw new PatchworkError('E_ARGUMENT', 'FlowmoCodes.lfqIndices: these are FSQ codes; use fsqIndices');
    const c = this.channels;
    if (!Number.isInteger(bitsPerIndex) || bitsPerIndex < 1 || bitsPerIndex > 31 || c % bitsPerIndex !== 0) {
      throw new PatchworkError('E_ARGUMENT', `FlowmoCodes.lfqIndices: bitsPerIndex must divide the ${c} bits per token and be at most 31, got ${bitsPerIndex}`);
    }
    const fh = c / bitsPerIndex;
    const out = new Int32Array(this.batch * this.codeLength * fh);
    for (let token = 0; token < this.batch * this.codeLength; token++) {
      for (let h = 0; h < fh; h++) {
        let index = 0;
        for (let g = 0; g < bitsPerIndex; g++) index |= this.symbols[token * c + g * fh + h]! << g;
        out[token * fh + h] = index;
      }
    }
    return out;
  }

  /** FSQ token indices: the mixed-radix number `Σ s_c · Π_{j<c} L_j` of every token, order (batch, token). */
  fsqIndices(): number[] {
    if (this.quantizer !== 'fsq') throw new PatchworkError('E_ARGUMENT', 'FlowmoCodes.fsqIndices: these are LFQ codes; use lfqIndices');
    const c = this.channels;
    const vocabulary = this.levels.reduce((a, l) => a * l, 1);
    if (vocabulary > Number.MAX_SAFE_INTEGER) throw new PatchworkError('E_ARGUMENT', `FlowmoCodes.fsqIndices: a vocabulary of ${vocabulary} codes does not fit a JS number`);
    return Array.from({ length: this.batch * this.codeLength }, (_, token) => {
      let index = 0;
      let radix = 1;
      for (let ch = 0; ch < c; ch++) {
        index += this.symbols[token * c + ch]! * radix;
        radix *= this.levels[ch]!;
      }
      return index;
    });
  }

  /**
   * Serialise: `"FMC1"`, u8 kind (0 = LFQ, 1 = FSQ), u32 batch, u32 codeLength, u16 channels,
   * FSQ only: one u8 `levels − 1` per channel; then every symbol in `⌈log2 L_c⌉` bits, packed
   * MSB-first and padded to a byte. A FlowMo-Lo image (256 tokens × 18 bits) takes 576 bytes
   * plus the 15-byte header.
   */
  toBytes(): Uint8Array {
    const binary = this.quantizer === 'lfq';
    const c = this.channels;
    const header = 15 + (binary ? 0 : c);
    const widths = this.levels.map(bitsFor);
    const totalBits = this.batch * this.codeLength * widths.reduce((a, w) => a + w, 0);
    const out = new Uint8Array(header + Math.ceil(totalBits / 8));
    const view = new DataView(out.buffer);
    out.set(MAGIC, 0);
    view.setUint8(4, binary ? KIND_LFQ : KIND_FSQ);
    view.setUint32(5, this.batch, true);
    view.setUint32(9, this.codeLength, true);
    view.setUint16(13, c, true);
    if (!binary) this.levels.forEach((l, i) => view.setUint8(15 + i, l - 1));
    let bit = header * 8;
    this.symbols.forEach((s, i) => {
      for (let k = widths[i % c]! - 1; k >= 0; k--, bit++) if ((s >> k) & 1) out[bit >> 3]! |= 0x80 >> (bit & 7);
    });
    return out;
  }

  /** Parse {@link toBytes}' format; a truncated or foreign buffer gives a `FormatError`. */
  static fromBytes(bytes: Uint8Array): FlowmoCodes {
    const fail = (why: string): never => {
      throw new FormatError(`not FlowMo codes: ${why}`);
    };
    if (bytes.length < 15 || MAGIC.some((m, i) => bytes[i] !== m)) fail('missing the "FMC1" header');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const kind = view.getUint8(4);
    const [batch, codeLength, c] = [view.getUint32(5, true), view.getUint32(9, true), view.getUint16(13, true)];
    if (kind !== KIND_LFQ && kind !== KIND_FSQ) fail(`unknown kind ${kind}`);
    if (batch === 0 || codeLength === 0 || c === 0) fail(`empty shape [${batch}, ${codeLength}, ${c}]`);
    const header = 15 + (kind === KIND_FSQ ? c : 0);
    if (bytes.length < header) fail(`truncated header (${bytes.length} bytes)`);
    const levels = kind === KIND_LFQ ? new Array<number>(c).fill(2) : Array.from({ length: c }, (_, i) => view.getUint8(15 + i) + 1);
    const widths = levels.map(bitsFor);
    const totalBits = batch * codeLength * widths.reduce((a, w) => a + w, 0);
    const expected = header + Math.ceil(totalBits / 8);
    if (bytes.length !== expected) fail(`${bytes.length} bytes, expected ${expected} for [${batch}, ${codeLength}, ${c}]`);
    const symbols = new Uint8Array(batch * codeLength * c);
    let bit = header * 8;
    for (let i = 0; i < symbols.length; i++) {
      let s = 0;
      for (let k = 0; k < widths[i % c]!; k++, bit++) s = (s << 1) | ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1);
      if (s >= levels[i % c]!) fail(`symbol ${s} at ${i} exceeds its ${levels[i % c]} levels`);
      symbols[i] = s;
    }
    return new FlowmoCodes(kind === KIND_LFQ ? 'lfq' : 'fsq', batch, codeLength, levels, symbols);
  }
}
