<?php
// Laravel's smtp mailer with a snippet's .env: $argv[1] is the file, $argv[2] the subject.
// Laravel is not installed here; Symfony Mailer, which Laravel 9+ sends with, is. The steps
// below copy how Laravel turns .env into a transport, line for line:
// Illuminate\Support\Env (env()), config/mail.php's smtp mailer (Laravel 10 reads
// MAIL_ENCRYPTION, Laravel 11 MAIL_SCHEME) and Illuminate\Mail\MailManager::createSmtpTransport.
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';

use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\Dsn;
use Symfony\Component\Mailer\Transport\Smtp\EsmtpTransportFactory;
use Symfony\Component\Mime\Email;

$values = [];
foreach (file($argv[1], FILE_IGNORE_NEW_LINES) as $line) {
    if (preg_match('/^\s*(#|$)/', $line)) {
        continue;
    }
    [$key, $value] = explode('=', $line, 2);
    $value = trim($value, " \t\"'");
    $values[trim($key)] = match (strtolower($value)) {
        'null', '(null)' => null,
        'true', '(true)' => true,
        'false', '(false)' => false,
        'empty', '(empty)' => '',
        default => $value,
    };
}
$env = fn (string $key, $default = null) => array_key_exists($key, $values) ? $values[$key] : $default;

if ($env('MAIL_MAILER') !== 'smtp') {
    throw new RuntimeException('MAIL_MAILER is not smtp');
}
$config = [
    'transport' => 'smtp',
    'scheme' => $env('MAIL_SCHEME'),
    'host' => $env('MAIL_HOST', '127.0.0.1'),
    'port' => $env('MAIL_PORT', 2525),
    'encryption' => $env('MAIL_ENCRYPTION'),
    'username' => $env('MAIL_USERNAME'),
    'password' => $env('MAIL_PASSWORD'),
];

$scheme = $config['scheme'] ?? null;
if (! $scheme) {
    $scheme = ! empty($config['encryption']) && $config['encryption'] === 'tls'
        ? (($config['port'] == 465) ? 'smtps' : 'smtp')
        : '';
}
$transport = (new EsmtpTransportFactory())->create(new Dsn(
    $scheme,
    $config['host'],
    $config['username'] ?? null,
    $config['password'] ?? null,
    $config['port'] ?? null,
    $config
));

(new Mailer($transport))->send(
    (new Email())->from('app@example.com')->to('you@example.com')->subject($argv[2])->text('It works.')
);
