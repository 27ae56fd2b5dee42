/**
 * Service identifiers of the container, one per concept. Implementations inject by these
 * tokens; only `container/` decides which implementation each one resolves to.
 */
export const TOKENS = Object.freeze({
  Transport: Symbol.for('bastion.Transport'),
  TransportOptions: Symbol.for('bastion.TransportOptions'),
  TLSMaterial: Symbol.for('bastion.TLSMaterial'),
  CertificateSource: Symbol.for('bastion.CertificateSource'),
  Codecs: Symbol.for('bastion.Codecs'),
  CodecLookup: Symbol.for('bastion.CodecLookup'),
  CodecLimits: Symbol.for('bastion.CodecLimits'),
  Binder: Symbol.for('bastion.Binder'),
  Registry: Symbol.for('bastion.Registry'),
  InnerRegistry: Symbol.for('bastion.InnerRegistry'),
  RegistryPolicy: Symbol.for('bastion.RegistryPolicy'),
  RegistrationSigner: Symbol.for('bastion.RegistrationSigner'),
  Selector: Symbol.for('bastion.Selector'),
  RateLimiter: Symbol.for('bastion.RateLimiter'),
  RateLimiterOptions: Symbol.for('bastion.RateLimiterOptions'),
  WrapperFactories: Symbol.for('bastion.WrapperFactories'),
  ClientWrapper: Symbol.for('bastion.ClientWrapper'),
  RateLimitMetrics: Symbol.for('bastion.RateLimitMetrics'),
  Endpoints: Symbol.for('bastion.Endpoints'),
  ServiceResolver: Symbol.for('bastion.ServiceResolver'),
  ServerOptions: Symbol.for('bastion.ServerOptions'),
  ClientOptions: Symbol.for('bastion.ClientOptions'),
  Server: Symbol.for('bastion.Server'),
  Client: Symbol.for('bastion.Client'),
  Clock: Symbol.for('bastion.Clock'),
  Logger: Symbol.for('bastion.Logger'),
});
