# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers in iLO's ExtendedInfo form (iLO 4 adds its compat ``Messages``), a mixin of :class:`ilosim.engine.Ilo`.

Uses ``self.generation`` and ``self.msg`` (the tree's :class:`ilosim.registry.MessageIds`).
"""

import json

from ilosim.base import BASE_HEADERS, JSON_TYPE, HttpError, Response


class Replies:
    """Message entries, error bodies and JSON responses."""

    def _info(self, message_id, args=None, related=None):
        info = {"MessageId": message_id}
        if args is not None:
            info["MessageArgs"] = [a if isinstance(a, (str, int, float)) else json.dumps(a) for a in args]
        if related:
            info["RelatedProperties"] = related
        return info

    def _ext_body(self, messages, status):
        infos = [m if isinstance(m, dict) else self._info(m) for m in messages]
        body = {"error": {"code": "iLO.0.10.ExtendedInfo", "message": "See @Message.ExtendedInfo for more information.",
                          "@Message.ExtendedInfo": infos}}
        if self.generation == 4:
            if status >= 400:
                body["error"]["code"] = "iLO.0.10.GeneralError"
                body["error"]["message"] = "A general error has occurred. See ExtendedInfo for more information."
            legacy = []
            for info in infos:
                item = {"MessageID": info["MessageId"]}
                if "MessageArgs" in info:
                    item["MessageArgs"] = info["MessageArgs"]
                legacy.append(item)
            body = {"Messages": legacy, "Type": "ExtendedError.1.0.0", "error": body["error"]}
        return body

    def _json(self, status, body, headers=None, rest=False):
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if rest:
            data = data.replace(b'"/redfish/v1/', b'"/rest/v1/')
        hdrs = list(BASE_HEADERS) + [("Content-Type", JSON_TYPE)] + list(headers or [])
        return Response(status, hdrs, data)

    def _ext(self, status, messages, headers=None):
        return self._json(status, self._ext_body(messages, status), headers)

    def internal_error(self):
        """500 ``Base.InternalError``, for a request the engine failed to handle."""
        return self._ext(500, [self._info(self.msg("InternalError"))])

    def error(self, status, key, registry="Base", args=None, related=None):
        return HttpError(status, [self._info(self.msg(key, registry), args, related)])
