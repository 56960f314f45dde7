# ActionMailer's :smtp delivery with the settings of a snippet: ARGV[0] is the file that sets
# config.action_mailer (as config/environments/development.rb does), ARGV[1] the subject.
# ActionMailer delivers :smtp through the mail gem's Mail::SMTP with smtp_settings; Rails
# itself is not installed here, the mail gem (Debian's ruby-mail) is.
require "mail"

action_mailer = Struct.new(:delivery_method, :smtp_settings).new
config = Struct.new(:action_mailer).new(action_mailer)
eval(File.read(ARGV[0]), binding, ARGV[0])
raise "delivery_method is #{action_mailer.delivery_method.inspect}" unless action_mailer.delivery_method == :smtp

mail = Mail.new
mail.from = "app@example.com"
mail.to = "you@example.com"
mail.subject = ARGV[1]
mail.body = "It works."
mail.delivery_method(Mail::SMTP, action_mailer.smtp_settings)
mail.deliver!
