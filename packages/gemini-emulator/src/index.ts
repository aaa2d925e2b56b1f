export * from './document-reader.ts';
export * from './emulator.ts';
export * from './faults.ts';
export * from './image-tokens.ts';
export * from './sample-invoice.ts';
