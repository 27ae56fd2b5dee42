// `bastion/testing`: boot a service inside a test, call it as any identity, override bindings.
import 'reflect-metadata';

export { createTestApp } from './test-app.js';
export {
  DEFAULT_TEST_CLIENT,
  TEST_TRUST_DOMAIN,
  type BindingOverride,
  type ServiceProxy,
  type TestApp,
  type TestAppOptions,
  type TestClientOptions,
  type TestTransport,
} from './testing.js';
