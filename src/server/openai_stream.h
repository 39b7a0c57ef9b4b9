// OpenAiStream: the skeleton both OpenAI streaming responses (chat.completion.chunk and
// text_completion) share. Open() writes the opening chunks (role chunks, echoed prompts);
// then one Emit() per engine output; at the end the usage chunk when asked and [DONE]. A
// timeout aborts the requests and ends with an error event and [DONE]; a client that hung up
// ends the stream silently (its requests are already aborted).
#pragma once

#include <memory>
#include <string>

#include "api/openai_response.h"
#include "server/choice_set.h"
#include "server/output_pump.h"
#include "server/server_context.h"
#include "server/http_message.h"

namespace vllm::server {

class OpenAiStream : public SseSession {
 public:
  bool Step(std::string* out) final;
  void Cancel() final { pump_->AbortAll(); }

 protected:
  // `object`: the chunk object name the usage chunk carries.
  OpenAiStream(ServerContext& ctx, api::ResponseHeader h, std::unique_ptr<OutputPump> pump, ChoiceSet choices,
               bool include_usage, const char* object)
      : ctx_(ctx), h_(std::move(h)), pump_(std::move(pump)), choices_(std::move(choices)),
        include_usage_(include_usage), object_(object), t_start_(OutputPump::Clock::now()) {}

  virtual void Open(std::string* out) = 0;
  virtual void Emit(const RequestOutput& o, std::string* out) = 0;
  // Records TTFT / end-to-end / token metrics of a finished choice; returns its state.
  const ChoiceState& ObserveFinished(int32_t index);

  ServerContext& ctx_;
  api::ResponseHeader h_;
  std::unique_ptr<OutputPump> pump_;
  ChoiceSet choices_;

 private:
  bool include_usage_;
  const char* object_;
  bool started_ = false;
  OutputPump::Clock::time_point t_start_;
};

}  // namespace vllm::server
