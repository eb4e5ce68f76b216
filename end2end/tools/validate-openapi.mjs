// Validates an OpenAPI document (a JSON file) against the OpenAPI schemas with
// @seriousme/openapi-schema-validator, and checks that every $ref in it resolves.
// Usage: node end2end/tools/validate-openapi.mjs openapi.json   (exit 0 only when valid)
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate-openapi.mjs <openapi.json>");
  process.exit(2);
}
const validator = new Validator();
const result = await validator.validate(file);
if (!result.valid) {
  console.error(`${file} is not a valid OpenAPI document:`);
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
try {
  validator.resolveRefs();
} catch (err) {
  console.error(`${file} has a $ref that does not resolve: ${err.message}`);
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version}`);
