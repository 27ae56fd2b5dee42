// Attack F7: a server (or anything else the CLI prints: a registry record, a certificate)
// puts terminal escape sequences in its answer: an OSC that retitles the terminal or forges
// a link, a CSI that clears the screen, a carriage return that hides text. The CLI must
// print them as visible escapes, and keep --json parseable to the very same strings.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BastionError, ensureDevPki, Handler, Service } from '../../src/index.js';
import { escapeControl } from '../../src/cli/output.js';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { createCertificateAuthority } from '../../src/security/dev-pki.js';
import { bastion } from './run-cli.js';
import { serveWithDevPki, type Served } from './serve-with-dev-pki.js';

const TITLE = '\u001b]0;pwned\u0007';
const LINK = '\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\';
const CLEAR = '\u001b[2J\u001b[H';
const C1_CSI = '\u009b31m';
const HIDE = 'ok\rerror';
const HOSTILE = `${TITLE}${LINK}${CLEAR}${C1_CSI}${HIDE}\u007f`;

/** What a hostile or compromised server answers. */
@Service({ name: 'teller' })
class Teller {
  @Handler()
  fail(): never {
    throw new BastionError('BST_ERR_VALIDATION_FAILED', `bad ${HOSTILE}`, { fields: [{ path: `amount${CLEAR}`, constraints: [`min${C1_CSI}`] }] });
  }

  @Handler()
  answer(): { note: string } {
    return { note: `fine${C1_CSI}${TITLE}` };
  }
}

/** Any C0 control but the newline, DEL, or any C1 control. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('bastion CLI output (attack F7)', () => {
  let dir: string;
  let served: Served;
  const call = (...args: string[]) => bastion(['call', 'teller', ...args, '--pki', dir, '--address', served.address, '--identity', 'cli']);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-escape-'));
    await ensureDevPki(dir, 'bastion.local', ['cli']);
    served = await serveWithDevPki(dir, 'teller', [Teller]);
  });

  after(async () => {
    await served.app.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('call', () => {
    describe('when the error detail and field paths carry escape sequences', () => {
      it('should print every control character as a visible \\u escape and nothing raw', async () => {
        const run = await call('Teller.fail', '{}');
        assert.equal(run.code, 1);
        assert.doesNotMatch(run.stderr, RAW_CONTROL, JSON.stringify(run.stderr));
        assert.ok(run.stderr.includes(escapeControl(`bad ${HOSTILE}`)), run.stderr);
        assert.ok(run.stderr.includes('\\u001b]0;pwned\\u0007'), 'the OSC is shown, not obeyed');
        assert.ok(run.stderr.includes(`amount\\u001b[2J\\u001b[H: min\\u009b31m`), run.stderr);
      });

      it('should keep --json valid JSON that decodes to exactly what the server sent', async () => {
        const run = await call('Teller.fail', '{}', '--json');
        assert.equal(run.code, 1);
        assert.doesNotMatch(run.stderr, RAW_CONTROL);
        const wire = JSON.parse(run.stderr) as { error: { detail: string; fields: { path: string; constraints: string[] }[] } };
        assert.equal(wire.error.detail, `bad ${HOSTILE}`);
        assert.deepEqual(wire.error.fields, [{ path: `amount${CLEAR}`, constraints: [`min${C1_CSI}`] }]);
      });
    });

    describe('when a successful reply carries a C1 control, which JSON.stringify leaves raw', () => {
      it('should escape it and still print JSON that decodes to the reply', async () => {
        const run = await call('Teller.answer', '{}');
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stdout, RAW_CONTROL);
        assert.deepEqual(JSON.parse(run.stdout), { note: `fine${C1_CSI}${TITLE}` });
      });
    });
  });

  describe('services', () => {
    describe('when a record forged into the store has a name with escape sequences', () => {
      it('should drop it and print the warning that names it escaped', async () => {
        const store = join(dir, 'forged-registry');
        const node = { id: 'ghost-1', host: '127.0.0.1', port: 4000, metadata: {} };
        await new FileRegistry({ directory: store }).register({ name: `ghost${C1_CSI}${TITLE}`, version: '1.0.0', metadata: {}, endpoints: [], nodes: [node] }, { ttlMs: 60_000 });
        const run = await bastion(['services', '--registry', pathToFileURL(store).href]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /registry_record_dropped/);
        assert.doesNotMatch(run.stderr, RAW_CONTROL, JSON.stringify(run.stderr));
        assert.ok(run.stderr.includes('ghost\\u009b31m'), run.stderr);
      });
    });
  });

  describe('certs inspect', () => {
    describe("when a certificate's subject carries a C1 CSI, which Node's own escaping lets through", () => {
      it('should print it escaped, in the table and in --json', async () => {
        const { certPem } = await createCertificateAuthority({ trustDomain: 'bastion.local', commonName: `evil${C1_CSI}2J` });
        const file = join(dir, 'evil.crt');
        await writeFile(file, certPem);
        const table = await bastion(['certs', 'inspect', file]);
        assert.equal(table.code, 0, table.stderr);
        assert.doesNotMatch(table.stdout, RAW_CONTROL);
        assert.match(table.stdout, /^subject\s+CN=evil\\u009b31m2J$/m);
        const json = await bastion(['certs', 'inspect', file, '--json']);
        assert.equal((JSON.parse(json.stdout) as { subject: string }).subject, `CN=evil${C1_CSI}2J`);
      });
    });
  });

  describe(escapeControl.name, () => {
    describe('when text holds C0, C1 and DEL controls and newlines', () => {
      it('should escape every control but the newline and leave other text alone', () => {
        assert.equal(escapeControl('a\u0000b\tc\r\nd\u001be\u007ff\u0080g\u009fh é ✓'), 'a\\u0000b\\u0009c\\u000d\nd\\u001be\\u007ff\\u0080g\\u009fh é ✓');
      });
    });
  });
});
