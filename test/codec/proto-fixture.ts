// Writes the .proto files the protobuf tests load; not a test file itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A schema with a request, a reply, a map, a recursive message and a 64-bit field. */
export const GREETER_PROTO = `syntax = "proto3";
package greeter;
message HelloRequest {
  string name = 1;
  int32 times = 2;
  map<string, string> tags = 3;
  Node tree = 4;
  int64 big = 5;
  repeated int32 numbers = 6;
}
message HelloReply {
  string message = 1;
  int32 count = 2;
}
message Node {
  Node child = 1;
  string label = 2;
}
`;

/** A proto2 schema: its string fields are not UTF-8-verified by protobufjs itself. */
export const LEGACY_PROTO = `syntax = "proto2";
package legacy;
message Note {
  optional string text = 1;
}
`;

/** A temporary directory holding `greeter.proto`; `cleanup()` removes it. */
export function writeProtoFiles(extra: Record<string, string> = {}): { dir: string; greeter: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-proto-'));
  const greeter = join(dir, 'greeter.proto');
  writeFileSync(greeter, GREETER_PROTO);
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return { dir, greeter, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The endpoint map the tests use. */
export const GREETER_ENDPOINTS = Object.freeze({
  'Greeter.hello': { request: 'greeter.HelloRequest', response: 'greeter.HelloReply' },
});
