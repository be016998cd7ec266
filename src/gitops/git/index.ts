export { classifyGitFailure, sanitizeGitOutput } from './classify.js';
export { credentialsFromSecret, type GitCredentials } from './credentials.js';
export { AuthenticationFailedError, GitError, GitOperationFailedError, InvalidGitSpecError, RefNotFoundError, type GitErrorReason } from './errors.js';
export { GitFetcher, type Checkout, type CheckoutRequest, type GitFetcherOptions } from './fetcher.js';
export { resolveRef, revisionString, validateRefName, type GitRef, type ResolvedRef } from './refs.js';
export { validateGitUrl, type GitTransport, type GitUrl, type GitUrlPolicy } from './url.js';
