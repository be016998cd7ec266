import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the generated PKI (all PEM). One CA signs the serving and the client certificates, as kwokctl does. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  /** Client certificate of the admin user (O=system:masters). */
  adminCert: string;
  adminKey: string;
  /** Front-proxy CA and the API server's client certificate for aggregated APIs (kubeadm's layout). */
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  /** Service account token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** The API server's client certificate for kubelet connections (CN KUBELET_CLIENT_CN, kubeadm's name). */
  kubeletClientCert: string;
  kubeletClientKey: string;
  /** Serving certificate of the local node's kubelet API (IP 127.0.0.1, the Node's InternalIP), signed by the CA. */
  nodeServingCert: string;
  nodeServingKey: string;
}

/** The admin identity in the generated client certificate. */
const ADMIN_USER = 'cairn-testenv-admin';

function ecKey(): { key: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

/** Signs a leaf certificate for `key` with the CA; `extensions` is an openssl extension section body. */
async function signLeaf(dir: string, name: string, subject: string, extensions: string, pki: { caCert: string; caKey: string }): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(key, ecKey().key, { mode: 0o600 });
  await writeFile(ext, extensions);
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  await openssl(['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '7', '-extfile', ext, '-out', cert]);
  await rm(csr);
  await rm(ext);
  return { cert, key };
}

async function selfSignedCa(dir: string, name: string, subject: string): Promise<{ caCert: string; caKey: string }> {
  const caKey = join(dir, `${name}.key`);
  const caCert = join(dir, `${name}.crt`);
  await writeFile(caKey, ecKey().key, { mode: 0o600 });
  await openssl(['req', '-x509', '-new', '-key', caKey, '-subj', subject, '-days', '7', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-out', caCert]);
  return { caCert, caKey };
}

/** CN of the front-proxy client certificate, allowed by --requestheader-allowed-names. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

/** CN of the API server's client certificate for kubelets; the local node's kubelet API accepts only it. */
export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

const CLIENT_EXTENSIONS = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';

/**
 * Generates a fresh cluster CA (serving and client certificates), the kube-apiserver serving certificate, the
 * admin client certificate, a front-proxy CA with its client certificate, the ServiceAccount signing key, the API
 * server's kubelet client certificate and the local node's kubelet serving certificate.
 */
export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const ca = await selfSignedCa(dir, 'ca', '/O=cairn/CN=cairn-testenv-ca');
  const { caCert, caKey } = ca;
  const frontProxyCa = await selfSignedCa(dir, 'front-proxy-ca', '/O=cairn/CN=cairn-testenv-front-proxy-ca');
  const frontProxy = await signLeaf(dir, 'front-proxy-client', `/CN=${FRONT_PROXY_CLIENT}`, CLIENT_EXTENSIONS, frontProxyCa);
  const sans = ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', 'IP:127.0.64.1'];
  const serving = await signLeaf(dir, 'apiserver', '/CN=kube-apiserver', `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`, ca);
  const admin = await signLeaf(dir, 'admin', `/O=system:masters/CN=${ADMIN_USER}`, CLIENT_EXTENSIONS, ca);
  const kubeletClient = await signLeaf(dir, 'apiserver-kubelet-client', `/O=kubeadm:cluster-admins/CN=${KUBELET_CLIENT_CN}`, CLIENT_EXTENSIONS, ca);
  const nodeServing = await signLeaf(dir, 'node-serving', '/O=system:nodes/CN=system:node:cairn-local', `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`, ca);
  const sa = ecKey();
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  await writeFile(serviceAccountKey, sa.key, { mode: 0o600 });
  await writeFile(serviceAccountPub, sa.pub);
  return {
    dir,
    caCert,
    caKey,
    servingCert: serving.cert,
    servingKey: serving.key,
    adminCert: admin.cert,
    adminKey: admin.key,
    frontProxyCaCert: frontProxyCa.caCert,
    frontProxyClientCert: frontProxy.cert,
    frontProxyClientKey: frontProxy.key,
    serviceAccountKey,
    serviceAccountPub,
    kubeletClientCert: kubeletClient.cert,
    kubeletClientKey: kubeletClient.key,
    nodeServingCert: nodeServing.cert,
    nodeServingKey: nodeServing.key,
  };
}
