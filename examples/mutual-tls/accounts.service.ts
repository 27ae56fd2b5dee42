import { IsString, Length } from 'class-validator';
import { Handler, RequireMutualTLS, Service, type CallContext } from '../../src/index.js';

export class OpenRequest {
  @IsString()
  @Length(1, 32)
  owner!: string;
}

/** `open` only for verified `frontend` or `ops-*` callers; `health` for anyone the transport lets in. */
@Service({ name: 'accounts' })
export class Accounts {
  @RequireMutualTLS({ allow: ['frontend', 'ops-*'] })
  @Handler()
  open(request: OpenRequest, ctx: CallContext): { owner: string; openedBy: string } {
    return { owner: request.owner, openedBy: ctx.peer.identity?.name ?? '' };
  }

  @Handler()
  health(): { status: string } {
    return { status: 'ok' };
  }
}
