/** The registries a generated project can be set up for. */
export const SCAFFOLD_REGISTRIES = ['memory', 'file', 'redis', 'nats'] as const;
/** The package managers a generated project's scripts and README can name. */
export const SCAFFOLD_PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn'] as const;

/** Everything a template needs to render one file of a new project; templates are pure functions of it. */
export interface ScaffoldContext {
  /** The npm package name, possibly scoped. */
  readonly packageName: string;
  /** The service name its certificate proves: the unscoped package name. */
  readonly service: string;
  /** The service class name, PascalCase of `service`. */
  readonly className: string;
  /** The identity allowed to call the generated handler (`<service>-client`). */
  readonly clientIdentity: string;
  readonly registry: (typeof SCAFFOLD_REGISTRIES)[number];
  readonly packageManager: (typeof SCAFFOLD_PACKAGE_MANAGERS)[number];
  /** Dependency specs, taken from this Bastion's own package.json so they resolve offline. */
  readonly versions: {
    readonly bastion: string;
    readonly classValidator: string;
    readonly classTransformer: string;
    readonly typescript: string;
    readonly typesNode: string;
  };
}

/** One generated file: its path relative to the project root, and its text. */
export interface ScaffoldFile {
  readonly path: string;
  readonly text: string;
}

/** `demo-svc` -> `DemoSvc`. */
export function className(service: string): string {
  const name = service
    .split(/[^a-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return /^[0-9]/.test(name) ? `Svc${name}` : name;
}
