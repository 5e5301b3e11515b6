// Runs a command (the mocha suite, the benchmark) with what it needs from the machine: the registry binary, and a
// TLS certificate authority for the test registry, which Node trusts through NODE_EXTRA_CA_CERTS. Node reads that
// variable only at start, so the files are made here, before the command starts.
//
//   node scripts/with-test-tls.mjs <command> [args...]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const need = (cmd, pkg) => {
  if (spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0) {
    console.error(`tests: '${cmd}' is missing: install it with 'apt-get install -y ${pkg}' (or run 'bash .ci/run')`);
    process.exit(1);
  }
};
need("docker-registry", "docker-registry");
need("htpasswd", "apache2-utils");
need("openssl", "openssl");

const dir = process.env.TEST_TLS_DIR ?? mkdtempSync(join(tmpdir(), "pulumi-ecr-image-tls-"));
if (!existsSync(join(dir, "ca.pem"))) {
  const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "7",
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=pulumi-ecr-image test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  writeFileSync(
    join(dir, "san.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:registry.pulumi-ecr-image.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "req.csr", "-subj", "/CN=localhost");
  openssl(
    "x509",
    "-req",
    "-in",
    "req.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-days",
    "7",
    "-extfile",
    "san.ext",
    "-out",
    "cert.pem",
  );
}

const [command, ...args] = process.argv.slice(2);
const result = spawnSync(command, args, {
  stdio: "inherit",
  env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"), TEST_TLS_DIR: dir },
});
process.exit(result.status ?? 1);
