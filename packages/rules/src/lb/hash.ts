// xxHash32 (XXH32), in pure TypeScript on 32-bit integer math (Math.imul), so no BigInt on the hot
// path. Envoy hashes with xxHash64; we use the 32-bit member of the same family: ring and Maglev
// positions then fit a uint32, and the distribution quality is what consistent hashing needs.
// Exact Envoy hash values are therefore NOT reproduced: the same key may land on a different host
// than in Envoy, but the balancing properties are the same.

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

/** XXH32 of the UTF-8 bytes of `input` (or the bytes themselves), as an unsigned 32-bit integer. */
export function xxHash32(input: string | Uint8Array, seed = 0): number {
  const bytes = typeof input === 'string' ? utf8Bytes(input) : input;
  const len = bytes.length;
  let i = 0;
  let h: number;

  if (len >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    while (i <= len - 16) {
      v1 = mixLane(v1, readU32(bytes, i));
      v2 = mixLane(v2, readU32(bytes, i + 4));
      v3 = mixLane(v3, readU32(bytes, i + 8));
      v4 = mixLane(v4, readU32(bytes, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }

  h = (h + len) | 0;
  while (i <= len - 4) {
    h = (h + Math.imul(readU32(bytes, i), PRIME3)) | 0;
    h = Math.imul(rotl(h, 17), PRIME4);
    i += 4;
  }
  while (i < len) {
    h = (h + Math.imul(bytes[i] ?? 0, PRIME5)) | 0;
    h = Math.imul(rotl(h, 11), PRIME1);
    i++;
  }

  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixLane(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function readU32(b: Uint8Array, i: number): number {
  return (
    (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24) | 0
  );
}

// Hand-rolled rather than TextEncoder so the module needs no host globals beyond ECMAScript.
// Lone surrogates become U+FFFD, as TextEncoder does, so equal strings always hash equally.
function utf8Bytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out.push(
          0xf0 | (c >> 18),
          0x80 | ((c >> 12) & 0x3f),
          0x80 | ((c >> 6) & 0x3f),
          0x80 | (c & 0x3f),
        );
        continue;
      }
      c = 0xfffd;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      c = 0xfffd;
    }
    out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
