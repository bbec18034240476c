// Validate GLB files with the Khronos glTF validator; print one JSON report per file.
//   node validate_gltf.mjs FILE.glb [...]
// Output: a JSON array of {file, errors, warnings, infos, hints, messages}; exit 0 when it ran.
import { readFile } from "node:fs/promises";
import validator from "gltf-validator";

const reports = [];
for (const file of process.argv.slice(2)) {
    const data = new Uint8Array(await readFile(file));
    const report = await validator.validateBytes(data, { maxIssues: 200 });
    const issues = report.issues;
    reports.push({
        file,
        errors: issues.numErrors,
        warnings: issues.numWarnings,
        infos: issues.numInfos,
        hints: issues.numHints,
        messages: issues.messages.map((m) => `${m.severity} ${m.code} ${m.pointer ?? ""}: ${m.message}`),
        info: report.info,
    });
}
process.stdout.write(JSON.stringify(reports));
