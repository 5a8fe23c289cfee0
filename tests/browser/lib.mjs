// Helpers the browser tests share: their arguments, TAP lines, and TOTP codes (RFC 6238)
// from the secrets the shell test saved as totp.<user> in --totp-dir.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
export const arg = (name) => argv[argv.indexOf('--' + name) + 1];

// TAP lines numbered on from --start; counts kept for the --count-file the shell test reads.
export const counts = { n: Number(arg('start')), failed: 0 };

export function tap(ok, what, detail = '') {
  counts.n += 1;
  if (ok) {
    console.log(`ok ${counts.n} - ${what}`);
  } else {
    counts.failed += 1;
    console.log(`not ok ${counts.n} - ${what}`);
    for (const line of String(detail).split('\n').slice(0, 8)) console.log(`# ${line}`);
  }
  return ok;
}

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(user) {
  const key = base32(readFileSync(join(arg('totp-dir'), 'totp.' + user), 'utf8').trim());
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}
