import { ROLE_URL_VARIABLES } from '../../src/infrastructure/config/config.js';

/**
 * What a role is told of where the others are, from the URLs known so far by role: the `*_URL` of every role that
 * serves routes (the gateway forwards there, and the API roles call the users API there) and PAYMENT_GATEWAY_URL
 * (the saga workers charge there).
 */
export const roleUrlVariables = (urls: ReadonlyMap<string, string>): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(ROLE_URL_VARIABLES).flatMap(([role, variable]) => (urls.has(role) ? [[variable, urls.get(role)!]] : []))),
  ...(urls.has('payment-gateway') ? { PAYMENT_GATEWAY_URL: urls.get('payment-gateway')! } : {}),
});
