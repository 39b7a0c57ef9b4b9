// Non-streaming responses: a PendingReply that drains a pump into a ChoiceSet (recording
// latency metrics) each time the StreamHub polls it, and builds the reply once every
// choice finished (504 on the request's timeout). A client that hangs up is noticed by its
// connection, and the hub cancels the reply, which aborts the engine requests.
#pragma once

#include <functional>
#include <memory>

#include "server/choice_set.h"
#include "server/http_message.h"
#include "server/http_util.h"
#include "server/output_pump.h"
#include "server/server_context.h"

namespace vllm::server {

class CollectReply : public PendingReply {
 public:
  // `finish` writes the success body from the finished choices.
  using Finish = std::function<void(ChoiceSet& choices, Response* res)>;
  CollectReply(ServerContext& ctx, std::unique_ptr<OutputPump> pump, ChoiceSet choices,
               ErrorStyle style, Finish finish)
      : ctx_(ctx),
        pump_(std::move(pump)),
        choices_(std::move(choices)),
        style_(style),
        finish_(std::move(finish)),
        t_start_(OutputPump::Clock::now()) {}

  bool Poll(Response* res) override;
  void Cancel() override { pump_->AbortAll(); }

 private:
  ServerContext& ctx_;
  std::unique_ptr<OutputPump> pump_;
  ChoiceSet choices_;
  ErrorStyle style_;
  Finish finish_;
  OutputPump::Clock::time_point t_start_;
};

}  // namespace vllm::server
