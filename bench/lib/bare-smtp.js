// smtp-server alone, storing nothing: the ceiling that Sluice's ingest is measured against
// in the same run (issue 12). It is Sluice's own server class (immediate greeting, slots,
// deadlines) from the build under test, with an onData that reads the message and answers.
// Usage: node bare-smtp.js URL_OF_DIST_SMTP_SERVER_JS; prints "PORT n" once it listens.
const [serverModule] = process.argv.slice(2);
const { SluiceSmtpServer } = await import(serverModule);

const server = new SluiceSmtpServer(
  {
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    size: 50 * 1024 * 1024,
    rejectOversized: true,
    onConnect: (_session, callback) => callback(),
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => callback(null, 'Ok: queued as 1'));
    },
  },
  {
    limits: {
      maxConnections: 200,
      commandTimeoutMs: 30_000,
      minDataRate: 1024,
      dataGraceMs: 60_000,
    },
    refuseData: () => null,
    refused: () => {},
  },
);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
