import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")
application = get_wsgi_application()

# Each worker loads its models now, in the background, instead of making the first
# question after a start wait for them (~6 s, mostly the language detector).
from aktenkundig.web.warmup import warm_in_background  # noqa: E402

warming = warm_in_background()
