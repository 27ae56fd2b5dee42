import { appTemplate } from './app.template.js';
import { gitignoreTemplate } from './gitignore.template.js';
import { mainTemplate } from './main.template.js';
import { packageJsonTemplate } from './package-json.template.js';
import { readmeTemplate } from './readme.template.js';
import type { ScaffoldContext, ScaffoldFile } from './scaffold-context.js';
import { serviceTemplate } from './service.template.js';
import { testTemplate } from './test.template.js';
import { tsconfigTemplate } from './tsconfig.template.js';

/** Every file of a new project, in the order they are written. */
export function scaffoldFiles(ctx: ScaffoldContext): ScaffoldFile[] {
  return [
    { path: 'package.json', text: packageJsonTemplate(ctx) },
    { path: 'tsconfig.json', text: tsconfigTemplate(ctx) },
    { path: '.gitignore', text: gitignoreTemplate(ctx) },
    { path: 'README.md', text: readmeTemplate(ctx) },
    { path: `src/${ctx.service}.service.ts`, text: serviceTemplate(ctx) },
    { path: 'src/app.ts', text: appTemplate(ctx) },
    { path: 'src/main.ts', text: mainTemplate(ctx) },
    { path: `test/${ctx.service}.test.ts`, text: testTemplate(ctx) },
  ];
}
