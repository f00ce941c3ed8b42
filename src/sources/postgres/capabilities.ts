import type { SourceCapabilities } from "../types.ts";

/** PostgreSQL: no unsigned integers, no zero dates, numeric up to 1000 digits. */
export const capabilities: SourceCapabilities = {
  rowValueComparison: true,
  zeroDates: false,
  unsignedIntegers: false,
  maxDecimalPrecision: 1000,
};
