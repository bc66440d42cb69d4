// Writes a private JWKS for the test IdP: node make-keys.mjs FILE [alg:kid ...]
import { writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';

export async function makeKeys(specs) {
  const keys = [];
  for (const spec of specs) {
    const [alg, kid] = spec.split(':');
    const { privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
    keys.push({ ...(await exportJWK(privateKey)), alg, kid, use: 'sig' });
  }
  return { keys };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, ...specs] = process.argv.slice(2);
  writeFileSync(file, JSON.stringify(await makeKeys(specs.length ? specs : ['RS256:key-1'])));
}
