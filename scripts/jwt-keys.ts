import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { ALG } from '../src/infrastructure/auth/signing-keys.js';

// `npm run --silent jwt-keys > .env`: a new ES256 key pair as JWT_PRIVATE_KEY and JWT_PUBLIC_KEY, one line each, for
// every service of docker-compose.yml to sign and verify with (compose reads .env beside it). Line breaks are written
// as `\n` inside single quotes: compose and a shell both keep them as they are, and the server reads them as breaks.
const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
const line = (name: string, pem: string) => `${name}='${pem.trim().replaceAll('\n', '\\n')}'`;
console.log(line('JWT_PRIVATE_KEY', await exportPKCS8(privateKey)));
console.log(line('JWT_PUBLIC_KEY', await exportSPKI(publicKey)));
