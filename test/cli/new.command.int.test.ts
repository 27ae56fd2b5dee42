import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bastion } from './run-cli.js';

describe('bastion new', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'bastion-new-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when given a valid name and --yes', () => {
    it('should write the project with every protection and keys kept out of git', async () => {
      const run = await bastion(['new', 'orders-api', '--yes', '--registry', 'memory'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const root = join(dir, 'orders-api');
      assert.deepEqual((await readdir(join(root, 'src'))).sort(), ['app.ts', 'main.ts', 'orders-api.service.ts']);
      const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
      assert.match(pkg['dependencies']!['bastion']!, /^\^\d+\.\d+\.\d+/);
      assert.ok(pkg['devDependencies']!['typescript'] && pkg['devDependencies']!['@types/node']);
      const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
      assert.deepEqual(
        [tsconfig.compilerOptions['experimentalDecorators'], tsconfig.compilerOptions['emitDecoratorMetadata'], tsconfig.compilerOptions['types']],
        [true, true, ['node']],
      );
      const service = await readFile(join(root, 'src/orders-api.service.ts'), 'utf8');
      for (const decorator of ['@Service(', '@Handler(', '@RequireMutualTLS(', '@RateLimit(', '@Codec(']) assert.ok(service.includes(decorator), decorator);
      assert.match(service, /export class OrdersApi/);
      assert.match(await readFile(join(root, 'test/orders-api.test.ts'), 'utf8'), /from 'bastion\/testing'/);
      assert.match(await readFile(join(root, 'src/app.ts'), 'utf8'), /ensureDevPki\(/);
      const ignored = (await readFile(join(root, '.gitignore'), 'utf8')).split('\n');
      for (const entry of ['.bastion/', '*.key', 'node_modules/']) assert.ok(ignored.includes(entry), entry);
      assert.match(await readFile(join(root, 'README.md'), 'utf8'), /npm test[\s\S]*npm start/);
    });
  });

  describe('when asked for the file registry', () => {
    it('should resolve the registry folder at start and let SIGTERM reach the server', async () => {
      const run = await bastion(['new', 'files-api', '--yes', '--registry', 'file'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const app = await readFile(join(dir, 'files-api', 'src/app.ts'), 'utf8');
      assert.match(app, /registry: process\.env\['BASTION_REGISTRY'\] \?\? pathToFileURL\(resolve\('\.bastion\/registry'\)\)\.href/);
      assert.match(app, /^import \{ resolve \} from 'node:path';$/m);
      const pkg = JSON.parse(await readFile(join(dir, 'files-api', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      // exec: node replaces the shell npm starts, so npm's forwarded SIGTERM reaches the server.
      assert.match(pkg.scripts['start'] ?? '', /&& exec node dist\/src\/main\.js$/);
      assert.match(await readFile(join(dir, 'files-api', 'src/main.ts'), 'utf8'), /handleSignals: true/);
    });
  });

  describe('when asked for JSON, a scope, another package manager and a folder', () => {
    it('should use the unscoped name as the service and pnpm in the scripts', async () => {
      const run = await bastion(['new', '@acme/billing_v2', '--yes', '--package-manager', 'pnpm', '--dir', 'b', '--json'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { service: string; packageManager: string; files: string[] };
      assert.deepEqual([report.service, report.packageManager], ['billing-v2', 'pnpm']);
      const pkg = JSON.parse(await readFile(join(dir, 'b', 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string> };
      assert.equal(pkg.name, '@acme/billing_v2');
      assert.match(pkg.scripts['test']!, /^pnpm run build/);
    });
  });

  describe('when the target folder is not empty', () => {
    it('should exit 1 and leave the folder as it was', async () => {
      await mkdir(join(dir, 'taken'));
      await writeFile(join(dir, 'taken', 'keep.txt'), 'mine');
      const run = await bastion(['new', 'taken', '--yes'], { cwd: dir });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /taken is not empty/);
      assert.deepEqual(await readdir(join(dir, 'taken')), ['keep.txt']);
    });
  });

  describe('when the name is not a valid package name', () => {
    it('should exit 2 and write nothing', async () => {
      const names = ['Orders', '_orders', '.orders', 'my orders', 'http', 'a/b/c', '../escape', 'x'.repeat(215), 'orders!'];
      const runs = await Promise.all(names.map((name) => bastion(['new', name, '--yes'], { cwd: dir })));
      assert.deepEqual(runs.map((r) => r.code), names.map(() => 2), runs.map((r) => r.stderr.split('\n')[0]).join('\n'));
      for (const run of runs) assert.match(run.stderr, /is not a valid (package|service) name/);
      assert.deepEqual((await readdir(dir)).sort(), ['b', 'files-api', 'orders-api', 'taken']);
    });
  });

  describe('when a choice is wrong or missing without a terminal', () => {
    it('should exit 2 for an unknown registry or package manager, and for no name', async () => {
      const runs = await Promise.all([
        bastion(['new', 'svc', '--registry', 'etcd'], { cwd: dir }),
        bastion(['new', 'svc', '--package-manager', 'bun'], { cwd: dir }),
        bastion(['new'], { cwd: dir }),
      ]);
      assert.deepEqual(runs.map((r) => r.code), [2, 2, 2]);
      assert.match(runs[0]!.stderr, /--registry must be one of memory, file, redis, nats/);
      assert.match(runs[2]!.stderr, /name the project/);
    });
  });

  describe('when asked for --help', () => {
    it('should list every registry kind the flag accepts', async () => {
      const run = await bastion(['new', '--help'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const line = run.stdout.split('\n').find((l) => l.trimStart().startsWith('--registry KIND')) ?? '';
      assert.match(line, /--registry KIND\s+memory \(default\), file, redis or nats$/);
    });
  });
});
