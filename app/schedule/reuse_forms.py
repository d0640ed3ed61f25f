"""Forms for copying a campaign into a new week, and an event into another campaign."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.forms import AppForm
from app.i18n import format_date
from app.schedule.forms import CampaignForm
from app.schedule.models import Campaign


class CampaignCopyForm(CampaignForm):
    """The new campaign's name, year, first and last day and report deadline (dates via
    DateTextField, "7/10" meaning the new year). Theme and slogans come from the source."""

    theme = None
    slogans = None


class EventCopyForm(AppForm):
    """The campaign an event is copied into, among those the user may add events to."""

    campaign_id = SelectField(_l("Campaign"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, campaigns: list[Campaign] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = [
            SelectChoice(
                campaign.id,
                f"{campaign.name} · {campaign.unit.name} · "
                f"{format_date(campaign.start_date)} – {format_date(campaign.end_date)}",
            )
            for campaign in campaigns
        ]
