// Validates JSON documents against a JSON Schema with ajv, the JSON Schema validator most
// of the JavaScript ecosystem uses; the draft is taken from the schema's $schema (draft-04
// for the official SARIF 2.1.0 schema, draft-07 for the others), and formats (uri,
// date-time, ...) are checked.
//
//   node validate.mjs SCHEMA DOCUMENT...
//
// Schemas are compiled in ajv's strict mode, which also rejects mistakes in the schema
// itself (unknown keywords and formats, ignored keywords), except strictRequired: naming
// in "required" a property declared elsewhere (in "anyOf" branches, as the official SARIF
// schema and ours do) is valid JSON Schema.
//
// Exit status: 0 when every document is valid; 1 when one is not (its errors are printed);
// 2 on a usage error or an unreadable file.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";

const [schemaPath, ...docs] = process.argv.slice(2);
if (!schemaPath || docs.length === 0) {
  console.error("usage: node validate.mjs SCHEMA DOCUMENT...");
  process.exit(2);
}
const read = (path) => {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    console.error(`${path}: ${err.message}`);
    process.exit(2);
  }
};
const schema = read(schemaPath);
const Validator = String(schema.$schema ?? "").includes("draft-04") ? Ajv04 : Ajv;
const ajv = new Validator({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (err) {
  console.error(`${schemaPath}: ${err.message}`);
  process.exit(2);
}
let status = 0;
for (const path of docs) {
  if (validate(read(path))) {
    console.log(`${path}: valid against ${schemaPath}`);
    continue;
  }
  status = 1;
  for (const e of validate.errors) {
    console.log(`${path}: invalid: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(status);
