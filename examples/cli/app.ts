// The entry `bastion audit` loads: it exports the service classes and starts nothing.
// Booting lives elsewhere (see ../greeter/run-demo.ts), so auditing never opens a port.
import { Greeter } from '../greeter/greeter.service.js';

export const services = [Greeter];
