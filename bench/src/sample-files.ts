import { crc32, deflateSync } from 'node:zlib';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';

/** An invoice PDF padded to about `bytes`. */
export function pdfOfSize(bytes: number): Buffer {
  return renderInvoicePdf(DEMO_INVOICE, { padToBytes: bytes });
}

/** A real PNG of noise, about `bytes` long (noise does not compress). */
export function pngOfSize(bytes: number): Buffer {
  const side = Math.max(8, Math.round(Math.sqrt(bytes / 3)));
  const raw = Buffer.alloc((side * 3 + 1) * side);
  let seed = 12345;
  for (let i = 0; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    raw[i] = i % (side * 3 + 1) === 0 ? 0 : seed >>> 24;
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(2, 9);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
