import { gitEnvironment } from '../../../src/gitops/git/environment.js';
import type { GitCredentials } from '../../../src/gitops/git/index.js';
import { validateGitUrl } from '../../../src/gitops/git/url.js';

export function environmentFor(url: string, creds: GitCredentials | undefined) {
  return gitEnvironment(validateGitUrl(url, { allowFileUrls: true }), creds);
}
