import type { ScaffoldContext } from './scaffold-context.js';

/** `src/<service>.service.ts`: the request and reply DTOs and the service class, every protection on. */
export function serviceTemplate(ctx: ScaffoldContext): string {
  return `import { IsOptional, IsString, Length } from 'class-validator';
import { Codec, Handler, RateLimit, RequireMutualTLS, Service, type CallContext } from 'bastion';

/** What a caller sends to \`${ctx.className}.hello\`; unknown fields are refused with a 400. */
export class HelloRequest {
  @IsString()
  @Length(1, 64)
  name!: string;

  @IsOptional()
  @IsString()
  @Length(0, 16)
  greeting?: string;
}

/** What \`${ctx.className}.hello\` answers. */
export class HelloReply {
  constructor(
    readonly message: string,
    readonly caller: string,
  ) {}
}

/** Only '${ctx.clientIdentity}' may call; each caller gets 10 calls per second. */
@RequireMutualTLS({ allow: ['${ctx.clientIdentity}'] })
@Codec('application/json')
@Service({ name: '${ctx.service}', version: '0.1.0' })
export class ${ctx.className} {
  @RateLimit({ tokensPerInterval: 10, interval: 'second' })
  @Handler()
  hello(request: HelloRequest, ctx: CallContext): HelloReply {
    return new HelloReply(\`\${request.greeting ?? 'Hello'}, \${request.name}!\`, ctx.peer.identity?.name ?? 'unknown');
  }
}
`;
}
