<?php
// Symfony Mailer with the MAILER_DSN of a snippet's .env: $argv[1] is the file, $argv[2] the subject.
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';

use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport;
use Symfony\Component\Mime\Email;

$dsn = null;
foreach (file($argv[1], FILE_IGNORE_NEW_LINES) as $line) {
    if (str_starts_with($line, 'MAILER_DSN=')) {
        $dsn = substr($line, strlen('MAILER_DSN='));
    }
}
if ($dsn === null) {
    throw new RuntimeException('no MAILER_DSN in ' . $argv[1]);
}
(new Mailer(Transport::fromDsn($dsn)))->send(
    (new Email())->from('app@example.com')->to('you@example.com')->subject($argv[2])->text('It works.')
);
