import { describe, expect, it } from 'vitest';
import { selectTorch } from './torch.js';

describe('PyTorch selection', () => {
  it("uses Debian's 1.13 and reports no torch 2 when that is all there is", () => {
    const s = selectTorch('/usr/bin/python3', [{ version: '1.13.0a0', root: '/usr/lib/python3/dist-packages' }]);
    expect(s.torch113?.root).toBe('/usr/lib/python3/dist-packages');
    expect(s.torch2).toBeNull();
    expect(s.skipped['torch2']).toMatch(/cannot import a torch ≥ 2 \(found 1\.13\.0a0/);
  });

  it('picks the newest torch ≥ 2 and keeps the 1.13 even when another torch comes first on sys.path', () => {
    const s = selectTorch('/usr/bin/python3', [
      { version: '2.9.1+cpu', root: '/usr/local/lib/python3.11/dist-packages' },
      { version: '2.13.0+cpu', root: '/root/.local/lib/python3.11/site-packages' },
      { version: '1.13.0a0', root: '/usr/lib/python3/dist-packages' },
    ]);
    expect(s.torch2?.version).toBe('2.13.0+cpu');
    expect(s.torch113?.version).toBe('1.13.0a0');
    expect(s.skipped).toEqual({});
  });

  it('reports both columns empty without any torch', () => {
    const s = selectTorch('python3', []);
    expect([s.torch113, s.torch2]).toEqual([null, null]);
    expect(s.skipped['torch113']).toMatch(/no torch on its sys.path/);
  });
});
