export { classifyGitFailure } from './classify.js';
export { credentialsFromSecret, type GitCredentials } from './credentials.js';
export { AuthenticationFailedError, GitError, GitOperationFailedError, InvalidGitSpecError, RefNotFoundError } from './errors.js';
export { GitFetcher, type CheckoutRequest } from './fetcher.js';
export { resolveRef, revisionString, type GitRef } from './refs.js';
export { validateGitUrl } from './url.js';
