// Validates docs/openapi.yaml (OpenAPI 3.1, $refs resolved) and prints its
// operations, one "METHOD /path" a line, for the route comparison.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
	const api = await SwaggerParser.validate(file);
	for (const [path, item] of Object.entries(api.paths ?? {}))
		for (const method of ["get", "put", "post", "delete", "patch"])
			if (item[method]) console.log(`${method.toUpperCase()} ${path}`);
} catch (e) {
	console.error(`openapi: ${e.message}`);
	process.exit(1);
}
