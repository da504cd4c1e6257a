import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';

/**
 * node-forge builds the X.509 certificates (node:crypto can sign but not issue certificates). It is
 * not a direct dependency: it is installed for @parse/node-apn and firebase-admin, which both
 * depend on it. Only the few calls used here are typed.
 */
interface ForgeCertificate {
  publicKey: unknown;
  serialNumber: string;
  validity: { notBefore: Date; notAfter: Date };
  setSubject(attributes: Array<{ shortName: string; value: string }>): void;
  setIssuer(attributes: Array<{ shortName: string; value: string }>): void;
  setExtensions(extensions: Array<Record<string, unknown>>): void;
  generateSubjectKeyIdentifier(): { getBytes(): string };
  sign(privateKey: unknown, digest: unknown): void;
}
interface Forge {
  pki: {
    createCertificate(): ForgeCertificate;
    privateKeyFromPem(pem: string): unknown;
    publicKeyFromPem(pem: string): unknown;
    certificateToPem(certificate: ForgeCertificate): string;
  };
  md: { sha256: { create(): unknown } };
}
const forge = createRequire(import.meta.url)('node-forge') as Forge;

export interface ServerCertificate {
  keyPem: string;
  certPem: string;
}

/** Hosts the fakes' certificates name by default: they listen on loopback. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/**
 * A throwaway certificate authority for the fakes, made at runtime (no key is ever written to
 * disk or committed). Clients trust `caPem` explicitly; nothing is added to the system store.
 */
export class TestCa {
  readonly caPem: string;
  private readonly certificate: ForgeCertificate;
  private readonly privateKey: unknown;
  /** The issuer of every certificate issued must match the CA's subject. */
  private readonly commonName: string;

  private constructor(certificate: ForgeCertificate, privateKey: unknown, commonName: string) {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.commonName = commonName;
    this.caPem = forge.pki.certificateToPem(certificate);
  }

  static create(commonName = 'chat-node test CA'): TestCa {
    const keys = rsaKeyPair();
    const certificate = newCertificate(keys.publicKeyPem);
    const subject = [{ shortName: 'CN', value: commonName }];
    certificate.setSubject(subject);
    certificate.setIssuer(subject);
    certificate.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    const privateKey = forge.pki.privateKeyFromPem(keys.privateKeyPem);
    certificate.sign(privateKey, forge.md.sha256.create());
    return new TestCa(certificate, privateKey, commonName);
  }

  /** A TLS server certificate for `hosts` (DNS names and IP addresses), signed by this CA. */
  issueServerCertificate(hosts: string[] = LOOPBACK_HOSTS): ServerCertificate {
    const keys = rsaKeyPair();
    const certificate = newCertificate(keys.publicKeyPem);
    certificate.setSubject([{ shortName: 'CN', value: hosts[0] ?? 'localhost' }]);
    certificate.setIssuer([{ shortName: 'CN', value: this.commonName }]);
    certificate.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((host) => (isIP(host) !== 0 ? { type: 7, ip: host } : { type: 2, value: host })),
      },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.certificate.generateSubjectKeyIdentifier().getBytes() },
    ]);
    certificate.sign(this.privateKey, forge.md.sha256.create());
    return { keyPem: keys.privateKeyPem, certPem: forge.pki.certificateToPem(certificate) };
  }
}

function rsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  // node:crypto generates the key (native, ~50 ms); forge only reads it.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function newCertificate(publicKeyPem: string): ForgeCertificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // Positive, 16 bytes: the top bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 60 * 60 * 1000);
  certificate.validity.notAfter = new Date(now + 365 * 24 * 60 * 60 * 1000);
  return certificate;
}
