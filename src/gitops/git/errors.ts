/**
 * Typed Git errors. `reason` is the GitSource condition reason (docs/api.md) and `message` is safe to show in
 * status, Events and logs: it never contains a credential.
 */
export type GitErrorReason = 'GitOperationFailed' | 'AuthenticationFailed' | 'InvalidSpec';

export class GitError extends Error {
  override name = 'GitError';
  constructor(
    readonly reason: GitErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** The URL, ref or credentials can never work as written (option smuggling, file:// refused, bad ref name). Not worth retrying. */
export class InvalidGitSpecError extends GitError {
  override name = 'InvalidGitSpecError';
  constructor(message: string) {
    super('InvalidSpec', message);
  }
}

/** The remote refused the credentials, asked for some, or its host key did not verify. */
export class AuthenticationFailedError extends GitError {
  override name = 'AuthenticationFailedError';
  constructor(message: string) {
    super('AuthenticationFailed', message);
  }
}

/** Anything else: unreachable host, not a repository, timeout, corrupted cache. Retried with backoff. */
export class GitOperationFailedError extends GitError {
  override name = 'GitOperationFailedError';
  constructor(message: string) {
    super('GitOperationFailed', message);
  }
}

/** The branch, tag or commit does not exist in the remote repository. */
export class RefNotFoundError extends GitOperationFailedError {
  override name = 'RefNotFoundError';
}
