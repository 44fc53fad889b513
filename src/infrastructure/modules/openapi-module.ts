import { TOKENS } from '../container/tokens.js';
import { JsonText } from '../http/answer.js';
import { getOpenApiDocument } from '../http/endpoints/operations-endpoints.js';
import { openApiDocumentText } from '../http/openapi/openapi-document.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

/**
 * `GET /openapi.json`, public like the JWKS document. The all-in-one process serves it; split into roles,
 * the users API (the front door that also serves the JWKS) does. It describes every endpoint, whoever serves them.
 */
export const openapiModule: PlatformModule = {
  name: 'openapi',
  serves: 'users-api',
  publicRoutes: [
    moduleRoutes('/openapi.json', [getOpenApiDocument], (container) => {
      const text = openApiDocumentText(container.get(TOKENS.Endpoints));
      let json: JsonText | undefined;
      return { document: () => (json ??= new JsonText(text())) };
    }),
  ],
};
