import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { toBastionError } from '../errors/factories.js';
import type { Logger } from '../logging/logger.js';
import type { CertificateSource, TLSMaterial, TLSOptions } from './security.js';
import { loadTLSMaterial, pemSourcesOf } from './tls-material.js';

/** How often watched files are stat-ed. Polling sees both in-place writes and rename-replace. */
export const DEFAULT_WATCH_INTERVAL_MS = 500;
/** Quiet time after the last change before reloading, so a cert and key written one after the other load together. */
export const DEFAULT_RELOAD_DEBOUNCE_MS = 150;

/** Timing of a FileCertificateSource. */
export interface FileCertificateSourceOptions {
  readonly intervalMs?: number;
  readonly debounceMs?: number;
}

/**
 * FileCertificateSource holds an application's TLS material and reloads it when one of its
 * files (CA, certificate, key, CRLs) changes. It polls with `fs.watchFile`: unlike
 * `fs.watch`, it keeps following a path whose file was replaced by a rename, which is how
 * cert-manager and most rotation tools write. A reload that fails keeps the old material
 * and logs the reason, which names the file and never key material.
 */
export class FileCertificateSource implements CertificateSource {
  readonly name = 'file';
  private material: TLSMaterial;
  private readonly listeners = new Set<(material: TLSMaterial) => void>();
  private readonly paths: string[];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: TLSOptions,
    initial: TLSMaterial,
    private readonly logger: Logger,
    private readonly timing: Required<FileCertificateSourceOptions>,
  ) {
    this.material = initial;
    this.paths = [...new Set(pemSourcesOf(options).flatMap((source) => ('path' in source ? [source.path] : [])))];
    for (const path of this.paths) {
      // Not persistent: watching certificates must never keep a finished process alive.
      watchFile(path, { interval: timing.intervalMs, persistent: false }, this.onStat);
    }
  }

  /** Loads the material (refusing a bad set-up, as at boot) and starts watching its files. */
  static async open(options: TLSOptions, logger: Logger, timing: FileCertificateSourceOptions = {}): Promise<FileCertificateSource> {
    const initial = await loadTLSMaterial(options);
    return new FileCertificateSource(options, initial, logger, {
      intervalMs: timing.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      debounceMs: timing.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS,
    });
  }

  current(): TLSMaterial {
    return this.material;
  }

  onChange(listener: (material: TLSMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads now, as a file change would; resolves once the reload finished or failed. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.load());
    return this.reloading;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const path of this.paths) unwatchFile(path, this.onStat);
    this.listeners.clear();
    await this.reloading;
  }

  private readonly onStat = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.timing.debounceMs);
    this.timer.unref();
  };

  private async load(): Promise<void> {
    if (this.closed) return;
    let next: TLSMaterial;
    try {
      next = await loadTLSMaterial(this.options);
    } catch (error) {
      this.logger.error('tls_reload_failed', { reason: toBastionError(error).detail, keeping: this.material.identity.uri });
      return;
    }
    const same = next.ca === this.material.ca && next.cert === this.material.cert && next.key === this.material.key && next.crl?.join() === this.material.crl?.join();
    if (same || this.closed) return;
    this.material = next;
    this.logger.info('tls_reloaded', { identity: next.identity.uri, files: this.paths });
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (error) {
        this.logger.error('tls_reload_listener_failed', { reason: toBastionError(error).detail });
      }
    }
  }
}
