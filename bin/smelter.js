#!/usr/bin/env node
// Entry point of the `smelter` CLI: runs the TypeScript sources through tsx's loader so that a checkout
// works without a build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
