// Entry of the bundled kernel probe run by the arm64 node: prints kernelReport() as JSON.
import { kernelReport } from "./kernel-probe.ts";

process.stdout.write(`${JSON.stringify({ arch: process.arch, report: kernelReport() })}\n`);
