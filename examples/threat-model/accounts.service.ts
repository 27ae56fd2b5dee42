import { randomInt } from 'node:crypto';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { appError, Handler, RateLimit, RequireMutualTLS, Service, type CallContext } from '../../src/index.js';

/** The vault's PIN: a fresh secret per process, so no caller can know it in advance. */
export const VAULT_PIN = String(randomInt(100, 1000)).padStart(4, '0');

/** Copies `source` into `target` key by key, nested objects included: the merge many handlers carry. */
export function mergeInto(target: Record<string, unknown>, source: object): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    if (value !== null && typeof value === 'object') {
      const existing = target[key];
      const into = existing !== null && typeof existing === 'object' ? existing : (target[key] = {});
      mergeInto(into as Record<string, unknown>, value as object);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/** Display preferences a caller may change. */
export class Preferences {
  @IsOptional()
  @IsIn(['light', 'dark'])
  theme?: string;
}

/** What `Accounts.update` accepts: a display name and preferences, nothing else. */
export class UpdateProfile {
  @IsString()
  @Length(1, 64)
  displayName!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Preferences)
  preferences?: Preferences;
}

/** What `Accounts.whoami` and `Accounts.adminReport` accept. */
export class WhoAmIRequest {
  @IsOptional()
  @IsBoolean()
  verbose?: boolean;
}

/** What `Accounts.search` accepts. */
export class SearchRequest {
  @IsString()
  @Length(1, 32)
  query!: string;
}

/** What `Accounts.unlock` accepts: a four-digit PIN. */
export class UnlockRequest {
  @IsString()
  @Matches(/^\d{4}$/)
  pin!: string;
}

/**
 * The service the attack suite attacks: profiles merged into defaults, an admin-only
 * report, a searchable directory and a PIN-protected vault. Only `frontend` and
 * `reports` may call it, each within its own rate limits.
 */
@RequireMutualTLS({ allow: ['frontend', 'reports'] })
@Service({ name: 'accounts', version: '1.0.0' })
export class Accounts {
  private readonly profiles = new Map<string, Record<string, unknown>>();

  @RateLimit({ tokensPerInterval: 200, interval: 'second', key: 'peer' })
  @Handler()
  whoami(_request: WhoAmIRequest, ctx: CallContext): { identity: string; profile: Record<string, unknown> | null } {
    const identity = ctx.peer.identity?.name ?? 'anonymous';
    return { identity, profile: this.profiles.get(identity) ?? null };
  }

  @RateLimit({ tokensPerInterval: 50, interval: 'second', key: 'peer' })
  @Handler()
  update(request: UpdateProfile, ctx: CallContext): Record<string, unknown> {
    const profile = mergeInto(mergeInto({}, { role: 'member', preferences: { theme: 'light' } }), request);
    this.profiles.set(ctx.peer.identity?.name ?? 'anonymous', profile);
    return profile;
  }

  @RateLimit({ tokensPerInterval: 50, interval: 'second', key: 'peer' })
  @Handler()
  adminReport(_request: WhoAmIRequest, ctx: CallContext): { profiles: number } {
    const profile: Record<string, unknown> = this.profiles.get(ctx.peer.identity?.name ?? 'anonymous') ?? {};
    if (profile['role'] !== 'admin' && profile['isAdmin'] !== true) throw appError('forbidden', 'admins only');
    return { profiles: this.profiles.size };
  }

  @RateLimit({ tokensPerInterval: 10, interval: 'second', key: 'peer' })
  @Handler()
  search(request: SearchRequest): { matches: string[] } {
    return { matches: [...this.profiles.keys()].filter((name) => name.includes(request.query)) };
  }

  @RateLimit({ tokensPerInterval: 5, interval: 'minute', key: 'peer' })
  @Handler()
  unlock(request: UnlockRequest): { unlocked: boolean } {
    return { unlocked: request.pin === VAULT_PIN };
  }
}
