import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.FileReader;
import java.util.Properties;

/**
 * Spring Boot's spring.mail.* settings of a snippet (args[0], an application.properties),
 * applied as Spring Boot's MailSenderPropertiesConfiguration and Spring's JavaMailSenderImpl
 * apply them, then one message with subject args[1]. Spring is not installed here; Jakarta
 * Mail 2, which Spring Boot 3 sends with, is (Debian's libjakarta-mail-java).
 */
public class SpringMail {
  public static void main(String[] args) throws Exception {
    Properties application = new Properties();
    try (FileReader reader = new FileReader(args[0])) {
      application.load(reader);
    }
    // spring.mail.properties.* become the JavaMail session's properties.
    String prefix = "spring.mail.properties.";
    Properties javaMail = new Properties();
    for (String name : application.stringPropertyNames()) {
      if (name.startsWith(prefix)) {
        javaMail.setProperty(name.substring(prefix.length()), application.getProperty(name));
      }
    }
    String host = application.getProperty("spring.mail.host");
    int port = Integer.parseInt(application.getProperty("spring.mail.port", "-1"));
    String protocol = application.getProperty("spring.mail.protocol", "smtp");
    String username = application.getProperty("spring.mail.username");
    String password = application.getProperty("spring.mail.password");

    Session session = Session.getInstance(javaMail);
    MimeMessage message = new MimeMessage(session);
    message.setFrom(new InternetAddress("app@example.com"));
    message.setRecipients(Message.RecipientType.TO, "you@example.com");
    message.setSubject(args[1]);
    message.setText("It works.");
    message.saveChanges();
    // JavaMailSenderImpl.connectTransport and doSend.
    try (Transport transport = session.getTransport(protocol)) {
      transport.connect(host, port, username, password);
      transport.sendMessage(message, message.getAllRecipients());
    }
  }
}
