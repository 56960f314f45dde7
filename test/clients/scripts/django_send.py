"""Django's SMTP backend with the settings of a snippet: argv[1] is the settings file, argv[2] the subject.

The file is executed as Django executes a settings module; its upper-case names become the settings.
"""
import sys

from django.conf import settings

values = {}
with open(sys.argv[1]) as source:
    exec(compile(source.read(), sys.argv[1], "exec"), values)
settings.configure(**{name: value for name, value in values.items() if name.isupper()})

import django  # noqa: E402

django.setup()
from django.core.mail import send_mail  # noqa: E402

send_mail(sys.argv[2], "It works.", "app@example.com", ["you@example.com"], fail_silently=False)
