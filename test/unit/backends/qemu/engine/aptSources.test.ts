import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  hostDebianSources,
  parseDeb822,
  parseOneLine,
} from '../../../../../src/backends/qemu/engine/aptSources';

function fakeRoot(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-apt-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

describe('engine image: the host apt sources', () => {
  it('reads one-line and deb822 sources and keeps main of the release and its update suites', () => {
    const root = fakeRoot({
      'etc/os-release': 'ID=debian\nVERSION_CODENAME=bookworm\n',
      'etc/debian_version': '12.10\n',
      'etc/apt/sources.list':
        '# comment\ndeb [arch=amd64] http://mirror.example/debian bookworm main contrib\ndeb-src http://mirror.example/debian bookworm main\n',
      'etc/apt/sources.list.d/debian.sources':
        'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\n',
      'etc/apt/sources.list.d/node.sources':
        'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n',
      'etc/apt/sources.list.d/extra.list': 'deb https://packages.example/apt cloud-sdk-bookworm main\n',
    });
    try {
      const s = hostDebianSources(root);
      assert.strictEqual(s.suite, 'bookworm');
      assert.deepStrictEqual(s.lines, [
        'deb http://mirror.example/debian bookworm main',
        'deb http://deb.debian.org/debian bookworm main',
        'deb http://deb.debian.org/debian bookworm-updates main',
        'deb http://deb.debian.org/debian-security bookworm-security main',
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('says clearly when the host is not Debian or has no source for its release', () => {
    const notDebian = fakeRoot({ 'etc/os-release': 'ID=fedora\nVERSION_ID=40\n' });
    const noSource = fakeRoot({
      'etc/os-release': 'VERSION_CODENAME=bookworm\n',
      'etc/debian_version': '12\n',
      'etc/apt/sources.list': 'deb http://x/ubuntu noble main\n',
    });
    try {
      assert.throws(() => hostDebianSources(notDebian), /needs a Debian host/);
      assert.throws(() => hostDebianSources(noSource), /No apt source for Debian bookworm/);
    } finally {
      fs.rmSync(notDebian, { recursive: true, force: true });
      fs.rmSync(noSource, { recursive: true, force: true });
    }
  });

  it('parses continuation lines in deb822 and ignores comments in one-line files', () => {
    assert.deepStrictEqual(
      parseDeb822('Types: deb\nURIs: http://a\n http://b\nSuites: s\nComponents: main\n')[0]?.uris,
      ['http://a', 'http://b'],
    );
    assert.deepStrictEqual(parseOneLine('#deb http://x s main\n'), []);
  });
});
