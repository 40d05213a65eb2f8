/** ZIP record signatures and sizes shared by the reader (zip.ts) and the writer (zipWrite.ts). */
export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_EOCD64_LOCATOR = 0x07064b50;
export const EOCD_SIZE = 22;
