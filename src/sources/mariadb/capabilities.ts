import type { SourceCapabilities } from "../types.ts";

/** MariaDB and MySQL: unsigned integers, zero dates, DECIMAL up to 65 digits. */
export const capabilities: SourceCapabilities = {
  rowValueComparison: true,
  zeroDates: true,
  unsignedIntegers: true,
  maxDecimalPrecision: 65,
};
