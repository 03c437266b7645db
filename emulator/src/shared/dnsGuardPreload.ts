// Loaded with NODE_OPTIONS=--require into every Node process of a test run (see dnsGuard.ts).
import { DNS_GUARD_LOG, installDnsGuard } from './dnsGuard';

const logFile = process.env[DNS_GUARD_LOG];
if (logFile) installDnsGuard(logFile);
