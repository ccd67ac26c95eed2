import django.db.models.deletion
import django.utils.timezone
import sanfu.core.crypto
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_tokens'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=500, verbose_name='接收地址')),
                ('event_types', models.JSONField(default=list, verbose_name='事件类型')),
                ('secret', sanfu.core.crypto.EncryptedTextField(verbose_name='签名密钥')),
                ('previous_secret', sanfu.core.crypto.EncryptedTextField(blank=True)),
                ('previous_secret_until', models.DateTimeField(blank=True, null=True)),
                ('allow_private', models.BooleanField(default=False, verbose_name='允许内网地址')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('disabled_reason', models.CharField(blank=True, max_length=200, verbose_name='停用原因')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='webhook_subscriptions', to=settings.AUTH_USER_MODEL, verbose_name='所属账户')),
            ],
            options={
                'verbose_name': '事件推送订阅',
                'verbose_name_plural': '事件推送订阅',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.CharField(max_length=120)),
                ('event_type', models.CharField(max_length=40, verbose_name='事件类型')),
                ('body', models.TextField()),
                ('status', models.CharField(choices=[('pending', '待发送'), ('delivered', '已送达'), ('failed', '发送失败')], default='pending', max_length=16, verbose_name='状态')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='尝试次数')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('claimed_until', models.DateTimeField(blank=True, null=True)),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('last_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='最近应答')),
                ('last_error', models.CharField(blank=True, max_length=500, verbose_name='最近错误')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='送达时间')),
                ('subscription', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='api.webhooksubscription')),
            ],
            options={
                'verbose_name': '事件推送记录',
                'verbose_name_plural': '事件推送记录',
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='webhook_delivery_due')],
                'constraints': [models.UniqueConstraint(fields=('subscription', 'event_id'), name='one_delivery_per_event_and_subscription')],
            },
        ),
    ]
